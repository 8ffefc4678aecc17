"""The `merchant-ai` command line (contract: ../shared/cli-contract.md, documented in README)."""

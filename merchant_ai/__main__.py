import sys

from merchant_ai.cli.main import main

sys.exit(main())

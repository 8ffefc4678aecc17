"""Small reusable widgets of the Merchant AI window."""

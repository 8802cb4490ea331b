"""The collectivité's journal (audit log): record, search, export, purge. Its page and its
retention command belong to the console (`tenants.console`)."""

"""A lab of real servers for integration tests: PostgreSQL posing as a ConfigMgr site database."""

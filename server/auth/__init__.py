"""OAuth2 bearer authentication: tokens, the scope of each operation, and the gate."""

"""The operations console: server-rendered pages over the same use cases as the TMF and admin
APIs, at ``/console`` (no second back end, no rule of its own)."""

BASE_PATH = "/console"
READ, WRITE, PUBLIC = "admin:read", "admin:write", ""
# (method, path, scope): every console route and what a token must carry to reach it (read by
# the authentication gate like the documents' operations).
ROUTES = (
    ("GET", BASE_PATH, READ),
    ("GET", f"{BASE_PATH}/orders", READ),
    ("GET", f"{BASE_PATH}/orders/{{id}}", READ),
    ("GET", f"{BASE_PATH}/orders/{{id}}/evidence", READ),
    ("GET", f"{BASE_PATH}/fallout", READ),
    ("POST", f"{BASE_PATH}/fallout/{{id}}/{{action}}", WRITE),
    ("GET", f"{BASE_PATH}/approvals", READ),
    ("GET", f"{BASE_PATH}/approvals/{{id}}", READ),
    ("POST", f"{BASE_PATH}/approvals/{{id}}/decision", WRITE),
    ("POST", f"{BASE_PATH}/approvals/{{id}}/delegation", WRITE),
    ("GET", f"{BASE_PATH}/deliveries", READ),
    ("POST", f"{BASE_PATH}/deliveries/replay", WRITE),
    ("POST", f"{BASE_PATH}/deliveries/{{id}}/replay", WRITE),
    ("GET", f"{BASE_PATH}/catalog", READ),
    ("GET", f"{BASE_PATH}/catalog/{{id}}", READ),
    ("POST", f"{BASE_PATH}/identity", WRITE),
    ("GET", f"{BASE_PATH}/login", PUBLIC),
    ("GET", f"{BASE_PATH}/callback", PUBLIC),
    ("POST", f"{BASE_PATH}/logout", PUBLIC),
    ("GET", f"{BASE_PATH}/static/{{name}}", PUBLIC),
)

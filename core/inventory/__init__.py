"""The installed base: the products each customer has, which orders add to, change and end."""

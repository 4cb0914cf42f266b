"""OMS fulfillment: plans of tasks per order, carried out through the systems' ports."""

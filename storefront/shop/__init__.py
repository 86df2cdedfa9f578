"""The customer's shop: catalogue, cart, checkout, payment, orders, language."""

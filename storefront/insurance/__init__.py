"""The customer-facing side of the insurance: the offer, the insurer's image, the terms."""

"""The box office: operators and administrators find, cancel and refund orders."""

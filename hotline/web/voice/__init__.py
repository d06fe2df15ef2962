"""The carrier's webhooks: signature check, routes and the TwiML renderer."""

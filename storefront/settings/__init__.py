"""The back office: Catalogue > Misc > Cancellation insurance, for admins and marketers."""

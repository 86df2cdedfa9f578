"""The insurer report in the back office: preview, downloads, and sending in batches."""

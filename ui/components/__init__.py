"""Custom Streamlit components of the app, each a small static frontend in a folder beside its module."""

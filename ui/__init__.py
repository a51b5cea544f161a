"""Streamlit helpers (widgets, session handles) and Plotly figure builders for the pages."""

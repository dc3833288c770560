"""The Streamlit dashboard of the community visual map (presentation only)."""

"""Tables, engines and queries: the only package that speaks SQL."""

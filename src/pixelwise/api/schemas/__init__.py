"""Request and response bodies of the API: the OpenAPI contract that clients are generated from."""

"""The HTTP edge: the /graphql endpoint (GraphQL over HTTP, content negotiation, CSRF,
persisted operations), CORS, the request deadline, the access log and the staff explorer."""

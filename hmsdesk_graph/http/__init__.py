"""The HTTP edge: the /graphql endpoint (GraphQL over HTTP, content negotiation, CSRF,
persisted operations), the response cache, the per-client request budget, CORS, the request
deadline, the access log and the staff explorer."""

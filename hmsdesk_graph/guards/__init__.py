"""What a request may cost before and while it runs: query cost, argument and text bounds,
rate limits."""

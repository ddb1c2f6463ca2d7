"""Business rules. Plain Python: a database session and the acting user in, results or a DomainError out."""

"""Sample documents with truth labels for docintel's tests and demos."""

"""Source-specific selectors: where a rule's value comes from. One module per source kind."""

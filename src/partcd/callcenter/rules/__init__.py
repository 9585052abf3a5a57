"""Call-center rules (pure): standards and verdicts, hours of operation, monitoring, Erlang staffing, simulation."""

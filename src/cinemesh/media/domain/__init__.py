"""What media knows without I/O: video states, probe verdicts, the ABR ladder, upload rules and errors."""

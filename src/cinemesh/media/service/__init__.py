"""Media's use cases: uploads (tus, completion, titles, expiry), a transcoding attempt."""

"""Infrastructure: settings, the embedded servers, and the clients built from them."""

"""The load generator (`make load`): simulated providers driving the portal's websocket like a browser."""

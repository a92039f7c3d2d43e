# Firecracker backend tests

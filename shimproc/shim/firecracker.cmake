# Firecracker backend sources (owned by the Firecracker backend work)

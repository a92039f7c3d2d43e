# QEMU backend sources (owned by the QEMU backend work)

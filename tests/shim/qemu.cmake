# QEMU backend tests

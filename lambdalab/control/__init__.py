"""Control-plane behaviour AWS has and moto lacks, added around moto's Lambda backend."""

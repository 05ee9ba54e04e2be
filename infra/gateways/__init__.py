"""Payment-gateway adapters (VNPay, MoMo, ZaloPay) behind one PaymentGateway interface, with timeouts,
retries and a Redis-backed circuit breaker. The protocol itself (signing, formats) is domain/payments."""

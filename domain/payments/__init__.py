"""Pure payment-gateway protocol code (VNPay 2.1.0, MoMo v2, ZaloPay v2) shared by adapters and simulators."""

"""Payment providers (VNPay, MoMo, ZaloPay) behind the domain's one PaymentGateway interface
(domain/payments/gateway.py), one folder each:

    infra/gateways/<provider>/protocol.py   the wire rules, pure: signatures, parameters, result codes
                             /adapter.py    the PaymentGateway, speaking the protocol over the shared transport
                             /simulator.py  the local stand-in speaking the same protocol, under /sandbox/<provider>
                             /__init__.py   PROVIDER: its method, adapter and simulator
    infra/gateways/registry.py              PROVIDERS, one line per provider, and the /sandbox router
    infra/gateways/factory.py               build_gateways: every configured provider on the process's one httpx
                                            client, each with its own Redis circuit breaker
    shared: transport.py (timeouts, retries, breaker, journal), breaker.py, journal.py, base.py, settings.py,
            sandbox/ (the simulators' store, fault switches, IPN delivery, pages, control panel)

The same shape serves the SMS and push providers of the notifications issue: an `infra/notify/` package
with the domain's provider Protocol in domain/notifications, a folder per provider (protocol, adapter, a
simulator acting as the dev sink), a registry of PROVIDERS, and a factory building them on the same
process-wide httpx client. GatewayTransport and CircuitBreaker take no payment types beyond the journal's
message row and the method name, so they move to a shared `infra/outbound/` when the second family arrives
(a journal per family); nothing of that is built yet.
"""

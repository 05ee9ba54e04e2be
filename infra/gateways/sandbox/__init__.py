"""Local simulators of VNPay, MoMo and ZaloPay, served under /sandbox when the sandbox is on (by default in
development and test). They speak the gateways' own protocols (spec: ../shared/specs/payment-gateways.md):
signed pay pages, signed IPNs sent over HTTP to our webhooks, signed query and refund answers, and fault
switches (delay, dropped, doubled or late IPNs, 5xx) that tests use to reproduce real gateway behaviour.

Shared by every provider folder's simulator.py: the Redis store and fault switches (store.py), IPN delivery
(delivery.py), the pay and error pages (page.py), the control panel (control.py); infra/gateways/registry.py
assembles the router."""

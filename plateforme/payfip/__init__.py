"""PayFiP, the DGFiP's online payment service, as the platform needs it outside production: a
local simulator speaking the real "Régie web service" protocol, so that the product, its tests
and the demo use eopayment's client unchanged and only the base URL differs."""

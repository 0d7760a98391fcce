"""The paper's comparison networks (Table 1), one module each, registered by `stsnet.models.catalog`."""

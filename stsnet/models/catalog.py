"""The list of packaged model modules; importing one registers its builders.

Adding a model is adding its module and one line here.
"""

import stsnet.models.stsnet  # noqa: F401

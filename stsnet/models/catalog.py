"""The list of packaged model modules; importing one registers its builders.

Adding a model is adding its module and one line here.
"""

import stsnet.models.baselines.caranet
import stsnet.models.baselines.centroidnet
import stsnet.models.baselines.deeplabv3
import stsnet.models.baselines.deeplabv3_afma
import stsnet.models.baselines.dense_aspp
import stsnet.models.baselines.ehformer
import stsnet.models.baselines.i2unet
import stsnet.models.baselines.losses
import stsnet.models.baselines.m2snet
import stsnet.models.baselines.msgse_net
import stsnet.models.baselines.r2unet
import stsnet.models.baselines.umnet
import stsnet.models.baselines.unet
import stsnet.models.baselines.unet_plus_plus
import stsnet.models.stsnet  # noqa: F401

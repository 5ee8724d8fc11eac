// libebur128 (Debian: libebur128-dev), the EBU R 128 / ITU-R BS.1770 meter the executor measures with.
#include <ebur128.h>

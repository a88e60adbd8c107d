#include <suitesparse/umfpack.h>

/* Links the routing engine with nothing but util (CMake: sb_route + sb_util): a call from route/
 * into the shell (store, net, a handler) is an undefined symbol here, so the build fails. */
#include <stdio.h>

#include "route/engine.h"

int main(void)
{
    sb_rparams_t p = {.position_every_ms = 1000};
    sb_route_t *r = sb_route_create(&p);
    if (!r)
        return 1;
    sb_route_destroy(r);
    puts("route/ links with util/ alone");
    return 0;
}

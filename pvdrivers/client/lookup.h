/* Finding a driver through the device manager (pvdrivers/client/blkclient.c). */
#ifndef PVK_LOOKUP_H
#define PVK_LOOKUP_H

#include <stdint.h>

/* Asks the device manager (its endpoint in slot devmgr) for a send
 * capability to the service endpoint of the driver of device type
 * (virtio id) number instance, retrying for about 5 s while the driver
 * starts. 0 and *ep_out = the new slot, or a negative SYS_E* error. */
long pvk_lookup_device(uint64_t devmgr, uint32_t type, uint32_t instance, uint64_t *ep_out);

#endif

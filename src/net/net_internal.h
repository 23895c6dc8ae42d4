/*
 * net_internal.h — helpers shared by the files of src/net, not part of the
 * contract collectors use (that is http.h).
 */
#ifndef JK_NET_INTERNAL_H
#define JK_NET_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* a in host byte order */
bool jk_net_ipv4_internal(uint32_t a);
/* b in network byte order */
bool jk_net_ipv6_internal(const uint8_t b[16]);

#endif

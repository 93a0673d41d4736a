/* The page Xen fills with hypercall stubs: in .text so it is executable;
 * Xen writes it through the guest-physical address, not our mappings. */
        .section .text
        .balign 4096
        .globl hypercall_page
hypercall_page:
        .skip 4096

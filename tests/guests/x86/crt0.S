/*
 * Entry of the x86 test guests: reset vector -> 32-bit flat protected
 * mode -> guest_main(cpu).
 *
 * Every vCPU starts here at once (no in-kernel local APIC, so there is no
 * INIT/SIPI hold for the application processors).  Each finds its index
 * in the initial APIC ID (CPUID.1:EBX[31:24]) and takes its own stack;
 * only vCPU 0 initialises .data and .bss, so code that runs on other vCPUs
 * must use only the stack and .noinit.
 */
#define CODE_SEL 0x08
#define DATA_SEL 0x10

    .section .reset, "ax"
    .code16
    .globl reset_vector
reset_vector:
    jmp start16

    .section .text16, "ax"
    .code16
start16:
    cli
    cld
    /* CS base is 0xFFFF0000 after reset and .text16 sits at 0xFFFFFF00 */
    lgdtl %cs:0xFF00 + (gdt_desc - start16)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl $CODE_SEL, $start32

    .balign 8
gdt:
    .quad 0
    .quad 0x00CF9B000000FFFF    /* 0x08: code, base 0, 4 GiB, 32-bit */
    .quad 0x00CF93000000FFFF    /* 0x10: data, base 0, 4 GiB */
gdt_end:
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt

    .section .text.start32, "ax"
    .code32
    .globl start32
start32:
    movw $DATA_SEL, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs

    movl $1, %eax
    cpuid
    shrl $24, %ebx              /* initial APIC ID = vCPU index */
    movl %ebx, %eax
    imull $STACK_SIZE, %eax
    movl $STACK_TOP, %esp
    subl %eax, %esp
    xorl %ebp, %ebp

    testl %ebx, %ebx
    jnz 1f
    movl $__data_load, %esi
    movl $__data_start, %edi
    movl $__data_end, %ecx
    subl %edi, %ecx
    rep movsb
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
1:
    pushl %ebx
    call guest_main
    /* guest_main returned: nothing left to do */
2:
    cli
    hlt
    jmp 2b

    .section .note.GNU-stack, "", @progbits

// A TDVF (OVMF for TDX) direct-kernel-boot CC event log for simulated TDs: the events Trustee's default
// policy looks for, with digests computed from the boot inputs, so a simulated TD's RTMRs (replayed from
// this log) and its reference values (read back from it) agree.
//
// Events, in log order (index = CC MR index: 1 = RTMR0, 2 = RTMR1, 3 = RTMR2):
//   1  EV_SEPARATOR                       end of the firmware configuration phase
//   2  EV_EFI_BOOT_SERVICES_APPLICATION   the kernel image, device path File(kernel), digest SHA-384(kernel)
//   2  EV_EVENT_TAG "LOADED_IMAGE::LoadOptions"   the command line, digest SHA-384 of its UTF-16LE form
//                                                  with the terminating NUL, as OVMF measures load options
//   2  EV_SEPARATOR
//   3  EV_EVENT_TAG "Linux initrd"        the initrd, digest SHA-384(initrd)
// One digest algorithm (SHA-384), as TDVF logs carry.
#pragma once

#include <string>

#include "core/bytes.h"

namespace coco::tdx {

struct TdvfBootSpec {
  Bytes kernel;  // the kernel image (or any bytes standing for it)
  std::string cmdline;
  Bytes initrd;
};

// The serialized log (tdx/eventlog.h encode_eventlog), ready to be a TD description's `ccel`.
Bytes simulated_tdvf_ccel(const TdvfBootSpec& boot);

}  // namespace coco::tdx

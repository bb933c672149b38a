#pragma once
// A simulated IoT electricity meter (物联网智能表) that talks DL/T 698.45 to the station itself,
// over NB-IoT/Cat.1 as TCP (PHY-1 variant c): it logs in and sends heartbeats like a
// concentrator and answers GETs of its own registers and instantaneous values.
//
//   00100200  forward active energy: total and tariffs 1-4, double-long-unsigned, 0.01 kWh
//   00200200  reverse active energy (zero: no generation behind these meters)
//   20000200  voltage A, B, C (0.1 V; B and C null on a single-phase meter)
//   20010200  current A, B, C (0.001 A)
//   20040200  active power total, A, B, C (0.1 W)
//   plus the clock and address objects and the clock ACTION of every Dlt698Device.

#include "sim/dlt698/device.hpp"
#include "sim/meters/registers.hpp"

namespace omni::sim {

class IotMeter698 : public Dlt698Device {
 public:
  IotMeter698(const Meter& meter, RegisterBook& book)
      : Dlt698Device(meter.address), meter_(meter), book_(book) {}

 protected:
  bool write_object(protocol::dlt698::Writer& w, const protocol::dlt698::Oad& oad,
                    UtcTime now) override;

 private:
  const Meter& meter_;
  RegisterBook& book_;
};

}  // namespace omni::sim

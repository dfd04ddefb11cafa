import { readdir } from 'node:fs/promises';
import { HostMetric } from '../../contract/metrics.ts';
import { type Collector, type CollectorContext, type MetricSink, oneDecimal } from '../collector.ts';
import { readOptional } from './procfs.ts';

/** One temperature input: where to read millidegrees Celsius, and the sensor label to report. */
export interface Sensor {
  readonly sensor: string;
  readonly path: string;
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** hwmon chips (`coretemp_Core_0`, `nvme_Composite`…): the detailed source where the kernel has one. */
async function hwmonSensors(sys: string): Promise<Sensor[]> {
  const out: Sensor[] = [];
  for (const chip of await list(`${sys}/class/hwmon`)) {
    const dir = `${sys}/class/hwmon/${chip}`;
    const name = (await readOptional(`${dir}/name`))?.trim() || chip;
    for (const file of (await list(dir)).filter((f) => /^temp\d+_input$/.test(f))) {
      const label = (await readOptional(`${dir}/${file.replace('_input', '_label')}`))?.trim();
      out.push({
        sensor: `${name}_${label || file.replace('_input', '')}`.replace(/\s+/g, '_'),
        path: `${dir}/${file}`,
      });
    }
  }
  return out;
}

/** ACPI thermal zones (`x86_pkg_temp`, `acpitz`…), used when there is no hwmon. */
async function thermalZoneSensors(sys: string): Promise<Sensor[]> {
  const out: Sensor[] = [];
  for (const zone of (await list(`${sys}/class/thermal`)).filter((z) => z.startsWith('thermal_zone'))) {
    const dir = `${sys}/class/thermal/${zone}`;
    const type = (await readOptional(`${dir}/type`))?.trim() || zone;
    out.push({ sensor: type, path: `${dir}/temp` });
  }
  return out;
}

/** The machine's temperature inputs, with sensor labels made unique. */
export async function discoverSensors(sys: string): Promise<Sensor[]> {
  const found = await hwmonSensors(sys);
  const sensors = found.length > 0 ? found : await thermalZoneSensors(sys);
  const seen = new Map<string, number>();
  return sensors.map((s) => {
    const n = (seen.get(s.sensor) ?? 0) + 1;
    seen.set(s.sensor, n);
    return n === 1 ? s : { ...s, sensor: `${s.sensor}_${n}` };
  });
}

/** Temperatures in °C per sensor (`temp.celsius{sensor}`), where the machine exposes any (VMs rarely do). */
export class TemperatureCollector implements Collector {
  readonly name = 'temperature';
  private sensors: Promise<Sensor[]> | undefined;

  constructor(private readonly ctx: Pick<CollectorContext, 'sys'>) {}

  async collect(sink: MetricSink): Promise<void> {
    // Sensors are discovered once; a sensor that cannot be read is skipped each time.
    this.sensors ??= discoverSensors(this.ctx.sys);
    const sensors = await this.sensors;
    const values = await Promise.all(sensors.map((s) => readOptional(s.path)));
    sensors.forEach((s, i) => {
      const milli = Number(values[i]);
      // Disconnected inputs read as nonsense (0, negative, or -273 °C); nothing real passes 150 °C.
      if (values[i] !== undefined && milli > 0 && milli < 150_000) {
        sink.put(HostMetric.tempCelsius, oneDecimal(milli / 1000), { sensor: s.sensor });
      }
    });
  }
}

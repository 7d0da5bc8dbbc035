/**
 * The physical world the simulated systems share and no integration carries: the product catalog
 * (the same SKUs in both ERPs and the WMS, as after a master-data harmonisation), the dealers, the
 * warehouses and the SAP plants behind them, the starting stock, the loading dock where the WMS leaves
 * picked orders for the TMS's trucks, and where a supplier's trucks go. Deterministic from a seed, so a
 * run and a test see the same estate.
 */

export interface Sku {
  sku: string;
  description: string;
  warehouse: string;
  unitPrice: number;
  unitCost: number;
  currency: string;
  /** Northwind's part number (X12 LIN VP) and the GTIN (LIN UP), for ship notices. */
  vendorPart: string;
  gtin: string;
  /** Business Central item id (a GUID) and base unit. */
  bcId: string;
  grossWeightKg: number;
}

export interface Dealer {
  number: string;
  name: string;
  contactName: string;
  email: string;
  city: string;
  postalCode: string;
  country: string;
  currency: string;
  warehouse: string;
  /** SAP Credit Management: the dealer's credit limit and the exposure already used (open items), in `currency`. */
  credit: { limit: number; exposure: number };
}

export interface Warehouse {
  code: string;
  plant: string;
  name: string;
  country: string;
  city: string;
}

export const WAREHOUSES: readonly Warehouse[] = [
  { code: 'DE01', plant: '1010', name: 'Distribution Centre Walldorf', country: 'DE', city: 'Walldorf' },
  { code: 'US01', plant: '1710', name: 'Distribution Center Chicago', country: 'US', city: 'Chicago' },
];

export const SKUS: readonly Sku[] = [
  {
    sku: 'FGME01',
    description: 'FIN01, LF, ME-Integration, A',
    warehouse: 'DE01',
    unitPrice: 24.25,
    unitCost: 15.1,
    currency: 'EUR',
    vendorPart: '87787D',
    gtin: '999999310145',
    bcId: '0c9a1b2e-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 6.85,
  },
  {
    sku: 'QM001',
    description: 'QM - Regular',
    warehouse: 'DE01',
    unitPrice: 25,
    unitCost: 11,
    currency: 'EUR',
    vendorPart: '44120Q',
    gtin: '999999310152',
    bcId: '1c9a1b2e-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 1.2,
  },
  {
    sku: 'MZ-FG-C900',
    description: 'C900 Bike',
    warehouse: 'DE01',
    unitPrice: 940,
    unitCost: 610,
    currency: 'EUR',
    vendorPart: 'C900B',
    gtin: '999999310169',
    bcId: '2c9a1b2e-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 14.5,
  },
  {
    sku: 'MZ-FG-R100',
    description: 'R100 Racing Bike',
    warehouse: 'DE01',
    unitPrice: 1290,
    unitCost: 850,
    currency: 'EUR',
    vendorPart: 'R100B',
    gtin: '999999310176',
    bcId: '3c9a1b2e-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 9.8,
  },
  {
    sku: '1896-S',
    description: 'ATHENS Desk',
    warehouse: 'US01',
    unitPrice: 1000.8,
    unitCost: 780.7,
    currency: 'USD',
    vendorPart: '99887D',
    gtin: '999999311746',
    bcId: 'fca5738a-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 42,
  },
  {
    sku: '1900-S',
    description: 'PARIS Guest Chair, black',
    warehouse: 'US01',
    unitPrice: 192.8,
    unitCost: 150.3,
    currency: 'USD',
    vendorPart: '19000P',
    gtin: '999999311753',
    bcId: '4c9a1b2e-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 8,
  },
  {
    sku: '1996-S',
    description: 'ATLANTA Whiteboard, base',
    warehouse: 'US01',
    unitPrice: 1397.3,
    unitCost: 1089.9,
    currency: 'USD',
    vendorPart: '19960A',
    gtin: '999999311760',
    bcId: '5c9a1b2e-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 31,
  },
  {
    sku: '2000-S',
    description: 'SYDNEY Swivel Chair, green',
    warehouse: 'US01',
    unitPrice: 192.8,
    unitCost: 150.3,
    currency: 'USD',
    vendorPart: '20000S',
    gtin: '999999311777',
    bcId: '6c9a1b2e-44e3-ea11-bb43-000d3a2feca1',
    grossWeightKg: 9,
  },
];

export const DEALERS: readonly Dealer[] = [
  {
    number: '10100001',
    name: 'Hoffmann Landtechnik GmbH',
    contactName: 'Jana Hoffmann',
    email: 'jana.hoffmann@hoffmann-landtechnik.example',
    city: 'Heidelberg',
    postalCode: '69115',
    country: 'DE',
    currency: 'EUR',
    warehouse: 'DE01',
    credit: { limit: 250_000, exposure: 61_200 },
  },
  {
    number: '10100003',
    name: 'Agrarhandel Weber KG',
    contactName: 'Tom Weber',
    email: 'tom.weber@agrar-weber.example',
    city: 'Mannheim',
    postalCode: '68159',
    country: 'DE',
    currency: 'EUR',
    warehouse: 'DE01',
    credit: { limit: 180_000, exposure: 40_500 },
  },
  {
    number: '10100004',
    name: 'Bauer Fahrrad & Technik',
    contactName: 'Lea Bauer',
    email: 'lea@bauer-technik.example',
    city: 'Karlsruhe',
    postalCode: '76131',
    country: 'DE',
    currency: 'EUR',
    warehouse: 'DE01',
    credit: { limit: 60_000, exposure: 40_000 },
  },
  {
    number: '17100001',
    name: 'Prairie Office Supply LLC',
    contactName: 'Sam Ortiz',
    email: 'sam.ortiz@prairie-office.example',
    city: 'Springfield',
    postalCode: '62701',
    country: 'US',
    currency: 'USD',
    warehouse: 'US01',
    credit: { limit: 300_000, exposure: 88_000 },
  },
  {
    number: '17100002',
    name: 'Lakeside Furnishings Inc.',
    contactName: 'Ada Chen',
    email: 'ada.chen@lakeside-furn.example',
    city: 'Madison',
    postalCode: '53703',
    country: 'US',
    currency: 'USD',
    warehouse: 'US01',
    credit: { limit: 220_000, exposure: 35_250 },
  },
];

/** Suppliers by vendor number (Business Central) and X12 id. */
export const SUPPLIER = { number: '20000', name: 'Northwind Industrial Supply', x12Id: '4405197800' } as const;

/** Stock every (warehouse, SKU) starts with, in both ERPs and the WMS. */
export const INITIAL_STOCK = 100_000;

export function skuOf(sku: string): Sku | undefined {
  return SKUS.find((s) => s.sku === sku);
}

export function skuByVendorPart(part: string): Sku | undefined {
  return SKUS.find((s) => s.vendorPart === part || s.gtin === part);
}

export function warehouseOfPlant(plant: string): Warehouse | undefined {
  return WAREHOUSES.find((w) => w.plant === plant);
}

export function warehouse(code: string): Warehouse | undefined {
  return WAREHOUSES.find((w) => w.code === code);
}

/** A small seeded PRNG (mulberry32): the same seed makes the same traffic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PickedOrder {
  orderNumber: string;
  warehouse: string;
  lines: { lineId: string; sku: string; qty: number; uom: string }[];
  pickedAt: number;
}

/** What the systems share physically (not through integrations). */
export class World {
  readonly random: () => number;
  /** Picked orders waiting on the dock of their warehouse, by order number. */
  readonly dock = new Map<string, PickedOrder>();
  /** Purchase order number → the warehouse the supplier's truck goes to. */
  readonly poDestination = new Map<string, string>();
  /** Listeners told when an order reaches the dock (the TMS's dispatcher). */
  private readonly dockListeners: ((order: PickedOrder) => void)[] = [];
  /** A clock offset for business dates (fixed at start, so dates are stable within a run). */
  readonly startedAt = Date.now();

  constructor(seed = 42) {
    this.random = seededRandom(seed);
  }

  /** Planning's proposals by what a purchase order made from them looks like (sku, quantity, date). */
  private readonly replenishments = new Map<string, string>();

  /**
   * Remembers where a proposal's goods must go. The purchase order the cloud ERP makes from it has no
   * location (bc-purchase-order-create has none), so the buyer's knowledge travels here instead.
   */
  planReplenishment(sku: string, quantity: number, needByDate: string, warehouse: string): void {
    this.replenishments.set(`${sku}|${quantity}|${needByDate}`, warehouse);
  }

  replenishmentDestination(sku: string, quantity: number, needByDate: string): string | undefined {
    return this.replenishments.get(`${sku}|${quantity}|${needByDate}`);
  }

  putOnDock(order: PickedOrder): void {
    this.dock.set(order.orderNumber, order);
    for (const listener of this.dockListeners) listener(order);
  }

  onDock(listener: (order: PickedOrder) => void): void {
    this.dockListeners.push(listener);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
}

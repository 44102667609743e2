//! The constraint families of a scenario, typed: one home for each family's name in plans
//! (`binding`, shadow prices), its place in the scenario and the unit its shadow price is
//! measured in. The model relaxes families, the checker reports constraints (a family and
//! its subject: an accelerator, a vendor, a workload class), the conflict analysis drops
//! families, the rounding repairs broken constraints, and explanations price them: all by
//! these types, none by matching text. Sites and periods are carried beside a constraint
//! by whoever knows them (the checker's `Located`, a shadow price's `site` and `period`).

use std::fmt;

/// A family of constraints, as the scenario states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `demand.pflops` or `demand.workloads` (at every site, every period).
    Demand,
    /// `demand.memory_tb`.
    Memory,
    /// `policy.domestic_share` and each site's own `domestic_share`.
    DomesticShare,
    /// `policy.national_domestic_share`: the share over every site's fleet together.
    NationalShare,
    /// `limits.vendor_max_share`.
    VendorShare,
    /// `limits.power_kw` or each site's `power_kw`.
    Power,
    /// `limits.budget`, per period.
    Budget,
    /// `limits.capex_budget`, per period.
    CapexBudget,
    /// `max_units` supply caps (national, per period).
    Supply,
    /// `resources[].cap`: national caps on a scarce input (HBM, wafers), per period.
    Resource,
    /// `available: false`.
    Availability,
    /// `min_units` minimum orders.
    MinOrder,
    /// Not a rule of the scenario but of the world: units taken out or moved from an
    /// installed entry, up to each period, are at most its units, and only while it serves
    /// (`existing[].removal`; never binding, never dropped; not in [`Family::ALL`]).
    Removal,
    /// Not a rule of the scenario: the ceiling on total cost that keeps an alternative near
    /// the optimum (never binding, never dropped; not in [`Family::ALL`]).
    CostCap,
}

impl Family {
    /// Every family, in the order conflicts are reported.
    pub const ALL: [Family; 12] = [
        Family::Demand,
        Family::Memory,
        Family::DomesticShare,
        Family::NationalShare,
        Family::VendorShare,
        Family::Power,
        Family::Budget,
        Family::CapexBudget,
        Family::Supply,
        Family::Resource,
        Family::Availability,
        Family::MinOrder,
    ];

    /// The family's name in plans (`binding`, shadow prices): `demand`, `memory`,
    /// `domestic_share`, `national_domestic_share`, `vendor_share`, `power`, `budget`,
    /// `capex_budget`, `supply`, `resource`, `availability`, `min_order`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Demand => "demand",
            Family::Memory => "memory",
            Family::DomesticShare => "domestic_share",
            Family::NationalShare => "national_domestic_share",
            Family::VendorShare => "vendor_share",
            Family::Power => "power",
            Family::Budget => "budget",
            Family::CapexBudget => "capex_budget",
            Family::Supply => "supply",
            Family::Resource => "resource",
            Family::Availability => "availability",
            Family::MinOrder => "min_order",
            Family::CostCap => "cost_cap",
            Family::Removal => "removal",
        }
    }

    /// Where the scenario states it (a single-site file's path; sites override some).
    pub fn path(self) -> &'static str {
        match self {
            Family::Demand => "demand.pflops",
            Family::Memory => "demand.memory_tb",
            Family::DomesticShare => "policy.domestic_share.min",
            Family::NationalShare => "policy.national_domestic_share.min",
            Family::VendorShare => "limits.vendor_max_share",
            Family::Power => "limits.power_kw",
            Family::Budget => "limits.budget",
            Family::CapexBudget => "limits.capex_budget",
            Family::Supply => "accelerators[ID].max_units",
            Family::Resource => "resources[ID].cap",
            Family::Availability => "accelerators[ID].available",
            Family::MinOrder => "accelerators[ID].min_units",
            Family::CostCap => "(the near-optimal cost cap of an alternative)",
            Family::Removal => "existing[].removal",
        }
    }

    /// The unit a shadow price of the family is measured per (section 5 of the format):
    /// one PFLOPS of demand, one TB of memory, one percentage point of a share, one kW, one
    /// unit of currency of a budget, one accelerator of a supply cap. `None` for families
    /// that have no limit to tighten by a unit (availability, minimum orders).
    pub fn shadow_unit(self) -> Option<&'static str> {
        match self {
            Family::Demand => Some("per PFLOPS"),
            Family::Memory => Some("per TB"),
            Family::DomesticShare | Family::NationalShare | Family::VendorShare => {
                Some("per percentage point")
            }
            Family::Power => Some("per kW"),
            Family::Budget | Family::CapexBudget => Some("per unit of currency"),
            Family::Supply => Some("per accelerator"),
            Family::Resource => Some("per unit of the resource"),
            Family::Availability | Family::MinOrder | Family::CostCap | Family::Removal => None,
        }
    }
}

impl Family {
    /// The unit of a rule's figure and limit, as `near_limit` shows them: `PFLOPS`, `TB`,
    /// `share` (a fraction), `kW`, `money` (the scenario's currency) or `units`.
    pub fn limit_unit(self) -> &'static str {
        match self {
            Family::Demand => "PFLOPS",
            Family::Memory => "TB",
            Family::DomesticShare | Family::NationalShare | Family::VendorShare => "share",
            Family::Power => "kW",
            Family::Budget | Family::CapexBudget | Family::CostCap => "money",
            Family::Supply | Family::Availability | Family::MinOrder | Family::Removal => "units",
            Family::Resource => "resource units",
        }
    }
}

/// One constraint: a family and its subject (the accelerator of a supply cap, the vendor
/// of a vendor limit, the workload class of a per-class demand; none for the others).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Constraint {
    /// The family.
    pub family: Family,
    /// The accelerator id, vendor or workload class it is about.
    pub subject: Option<String>,
}

impl Constraint {
    /// A constraint of `family` with no subject.
    pub fn of(family: Family) -> Constraint {
        Constraint {
            family,
            subject: None,
        }
    }

    /// The supply cap of accelerator `id`.
    pub fn supply(id: &str) -> Constraint {
        Constraint {
            family: Family::Supply,
            subject: Some(id.to_string()),
        }
    }

    /// The national cap of resource `id`.
    pub fn resource(id: &str) -> Constraint {
        Constraint {
            family: Family::Resource,
            subject: Some(id.to_string()),
        }
    }

    /// The vendor limit as it applies to `vendor`.
    pub fn vendor(vendor: &str) -> Constraint {
        Constraint {
            family: Family::VendorShare,
            subject: Some(vendor.to_string()),
        }
    }

    /// The demand of workload class `class`.
    pub fn workload(class: &str) -> Constraint {
        Constraint {
            family: Family::Demand,
            subject: Some(class.to_string()),
        }
    }

    /// The name in plans: the family's, with its subject where it has one
    /// (`supply:<id>`, `resource:<id>`, `vendor_share:<vendor>`, `workload:<class>`).
    pub fn name(&self) -> String {
        match (&self.family, &self.subject) {
            (Family::Demand, Some(class)) => format!("workload:{class}"),
            (f, Some(subject)) => format!("{}:{subject}", f.name()),
            (f, None) => f.name().to_string(),
        }
    }

    /// Reads a name written by [`Constraint::name`] (a plan's `binding` entry).
    pub fn parse(name: &str) -> Option<Constraint> {
        if let Some(class) = name.strip_prefix("workload:") {
            return Some(Constraint::workload(class));
        }
        let (family, subject) = match name.split_once(':') {
            Some((f, s)) => (f, Some(s.to_string())),
            None => (name, None),
        };
        let family = Family::ALL.into_iter().find(|f| f.name() == family)?;
        Some(Constraint { family, subject })
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for c in [
            Constraint::of(Family::Demand),
            Constraint::workload("training"),
            Constraint::of(Family::NationalShare),
            Constraint::vendor("Huawei"),
            Constraint::supply("ascend-910c"),
            Constraint::resource("hbm-stacks"),
            Constraint::of(Family::CapexBudget),
        ] {
            assert_eq!(Constraint::parse(&c.name()), Some(c.clone()), "{c}");
        }
        assert_eq!(Constraint::supply("h20").name(), "supply:h20");
        assert_eq!(Constraint::parse("no_such_rule"), None);
    }
}

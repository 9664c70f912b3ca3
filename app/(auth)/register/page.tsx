import { AuthForm } from "@/components/shell/auth-form";

export default function RegisterPage() {
  return <AuthForm mode="register" />;
}
